"""The demo upstream: a simulated Binance and ESPN served by this app, for machines with no internet.

Everything here is a pure function of (what is asked, the time), so any number of web
processes answer the same value for the same instant without sharing state.
"""
