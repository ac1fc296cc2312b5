"""Crash points for the crash drill: a process dies on the spot (SIGKILL) where CAREBRIDGE_CRASH_AT names it.

Nothing happens unless that environment variable is set, and it is only ever set by the drill
(carebridge/billing/tests/test_crash_drill.py) for the process it is about to kill.
"""

import os
import signal

VARIABLE = "CAREBRIDGE_CRASH_AT"


def crash_point(name):
    """Die at once, with no clean-up and no answer, when CAREBRIDGE_CRASH_AT equals `name`."""
    if os.environ.get(VARIABLE) == name:
        os.kill(os.getpid(), signal.SIGKILL)
