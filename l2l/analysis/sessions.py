"""Moved to :mod:`l2l.sessions` (the time a run ran, its sessions' backends, models and hosts), below the
analysis and the summary that read it; its names stay importable from here."""

from l2l.sessions import (SHOWN_HOSTS, SHOWN_STRETCHES, active_seconds, backend_text, hosts_line,  # noqa: F401
                          model_line, reevaluation_hosts, session_backend, session_backends, session_records,
                          stored_reevaluation_hosts)
