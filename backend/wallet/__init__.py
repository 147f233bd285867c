"""Keystore wallets of the command-line tool: a party's key stays in its own file."""
