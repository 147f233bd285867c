"""The local validator network: geth Clique nodes run by the authorities (issue 9).

``python -m backend.network --help``; docs/operations.md is the operator's guide.
"""
