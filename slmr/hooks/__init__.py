"""Git hooks: clean up commit messages on the local model, never blocking or losing a commit.

- ``message``: parse a commit-message file into the part the model may touch (subject and body) and
  the parts it must never touch (comments, trailers, the scissors section), and put them back together.
- ``runner``: what ``slmr hook run`` does on ``git commit``: decide whether to touch the message, call
  the pipeline under a deadline, check the answer, and replace the file atomically, or keep it.
- ``install``: install, uninstall and report the hook scripts, for one repository or globally.
"""

#: where prepare-commit-msg leaves the message's source for commit-msg, in the worktree's git directory:
#: one JSON object {"source": "message"|"template"|"merge"|"squash"|"commit"|"", "sha": str, "at": unix time}
SOURCE_RECORD = "slmr-commit-source.json"
