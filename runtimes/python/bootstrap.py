"""Entry point of Lamina's Python runtime: `python3.X <LAMBDA_RUNTIME_DIR>/python/bootstrap.py`.

cwd is LAMBDA_TASK_ROOT; the environment is the contract in ../README.md.
"""

import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from lamina_runtime.main import main  # noqa: E402  (needs the path above)

if __name__ == "__main__":
    main()
