"""`python -m enhancer ...`"""

import sys

from .cli import main

sys.exit(main())
