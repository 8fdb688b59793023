"""The `ledger` command: parse options, call the library, render, exit."""
