from tests.helpers import api  # noqa: F401  (the quicker `api` fixture)
