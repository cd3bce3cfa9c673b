import sys

from learnflow_agents.gateway.cli import main

sys.exit(main())
