"""LitecostLogger for LiteLLM's proxy, named in its config:

    litellm_settings:
      callbacks: ["litecost.integrations.litellm_proxy.litecost_logger"]

The proxy imports this module in each of its worker processes; each writes its own
`litecost-DAY.PID.jsonl` files into `$LITECOST_LOG_DIR` (default: `litecost-logs` in the
proxy's working directory), gzipped once closed if `LITECOST_LOG_GZIP=1`. Needs LiteLLM,
which the proxy has.
"""

from __future__ import annotations

import os

from litecost.integrations.litellm import LitecostLogger

LOG_DIR_ENV = "LITECOST_LOG_DIR"
GZIP_ENV = "LITECOST_LOG_GZIP"

litecost_logger = LitecostLogger(os.environ.get(LOG_DIR_ENV, "").strip() or "litecost-logs",
                                 gzip_closed=os.environ.get(GZIP_ENV, "").strip().lower() in ("1", "true", "yes"))
