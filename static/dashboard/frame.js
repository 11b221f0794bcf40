// Batches DOM writes to one per animation frame. Many updates to one symbol between two
// frames cost one render; a hidden tab renders nothing and keeps only the set of dirty keys.

export class FrameBatcher {
  constructor(flush) {
    this.flush = flush;
    this.dirty = new Set();
    this.all = false;
    this.scheduled = false;
    this.run = this.run.bind(this);
  }

  mark(key) {
    this.dirty.add(key);
    this.schedule();
  }

  markAll() {
    this.all = true;
    this.schedule();
  }

  schedule() {
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(this.run);
  }

  run() {
    this.scheduled = false;
    const keys = this.dirty;
    const all = this.all;
    this.dirty = new Set();
    this.all = false;
    this.flush(keys, all);
  }
}
