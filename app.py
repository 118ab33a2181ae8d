"""Web entry point: ``python app.py [--host H] [--port P]`` serves the chat page at http://127.0.0.1:7860.

Importing this module starts nothing; ``uvicorn --factory app:create_app`` works too.
"""

import sys

from bot.web import create_app, main

__all__ = ["create_app", "main"]

if __name__ == "__main__":
    sys.exit(main())
