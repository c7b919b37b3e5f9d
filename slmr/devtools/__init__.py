"""Generators for the files derived from the CLI definition: the completion scripts, the
command-tree snapshot the fast completion path reads, and the man page.

    python -m slmr.devtools            # regenerate everything (after adding or changing a command)
    python -m slmr.devtools --check    # exit 1 and name the stale files (what the tests check)
"""
