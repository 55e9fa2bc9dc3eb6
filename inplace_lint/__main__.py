"""``python -m inplace_lint``: the same as the ``inplace-lint`` command."""
from .cli import main

if __name__ == "__main__":
    main()
