"""Keep client mistakes from writing stack traces into the server's log.

uvicorn logs a full traceback at ERROR whenever a client sends a text frame that is
not valid UTF-8 (and closes it with 1007, as it should). That is the client's fault,
not the server's, and any stranger could fill the log with tracebacks: the record
is kept, as one WARNING line.
"""

from __future__ import annotations

import logging

CLIENT_FAULTS = ("Invalid UTF-8 sequence received from client.",)


class ClientFaultsWithoutTraceback(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg in CLIENT_FAULTS:
            record.exc_info, record.exc_text = None, None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True
