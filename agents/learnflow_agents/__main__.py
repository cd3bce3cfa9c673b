import sys

from learnflow_agents.cli import main

sys.exit(main())
