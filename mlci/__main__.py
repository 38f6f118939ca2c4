import sys

from mlci.cli.main import main

sys.exit(main())
