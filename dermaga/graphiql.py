"""GraphiQL at /graphql, opening with example operations in tabs of their own.

Strawberry ships the GraphiQL page; this module gives it Dermaga's tabs in
place of its welcome text, and keeps GraphiQL's saved editor state apart per
set of examples, so a visitor sees new examples rather than yesterday's tabs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass

import structlog

log = structlog.get_logger(__name__)

EXAMPLES_KEY = "graphiql_examples"
TOKEN_PLACEHOLDER = "<token from signIn>"


@dataclass(frozen=True, slots=True)
class ExampleTab:
    """One GraphiQL tab: an operation, its variables and headers as JSON text."""

    query: str
    variables: str | None = None
    headers: str | None = None


ExampleSource = Callable[[], Awaitable[Sequence[ExampleTab]]]


def bearer_headers(token: str) -> str:
    """The Headers tab's JSON for a bearer token."""
    return json.dumps({"Authorization": f"Bearer {token}"}, indent=2)


GUIDE = """\
# Dermaga's GraphQL API. Run an operation with the play button (Ctrl-Enter).
#
# Authorization: signIn (this tab) answers a token; the other tabs send it
# in the Headers pane below as {"Authorization": "Bearer <token>"}.
# Subscriptions (graphql-transport-ws) use the same header from GraphiQL;
# other WebSocket clients send it in connection_init as
# {"authorization": "Bearer <token>"}. The Docs pane describes every field.
"""
DEFAULT_TABS = (
    ExampleTab(
        GUIDE
        + """
mutation SignIn {
  signIn(input: {email: "you@example.com", password: "your password"}) {
    token
    expiresAt
    userErrors { field code message }
  }
}
"""
    ),
    ExampleTab(
        """# Who am I? Paste the token from signIn into the Headers pane first.
query Viewer {
  viewer { kind roles user { email fullName } organisation { name kind } }
}
""",
        headers=bearer_headers(TOKEN_PLACEHOLDER),
    ),
)

# Anchors in strawberry's graphiql.html that this module rewrites.
_QUERY_STATE = "parameters.q || EXAMPLE_QUERY,"
_PROPS = "fetcher: fetcher,"
_SCRIPT = "const EXAMPLE_QUERY ="
_TITLE = "<title>Strawberry GraphiQL</title>"


def graphiql_html(template: str, tabs: Sequence[ExampleTab]) -> str:
    """Strawberry's GraphiQL page opening with `tabs` (unchanged if it moved on)."""
    if not all(a in template for a in (_QUERY_STATE, _PROPS, _SCRIPT, _TITLE)):
        log.warning("graphiql.template_changed")
        return template
    payload = [{k: v for k, v in asdict(tab).items() if v is not None} for tab in tabs]
    tabs_json = json.dumps(payload)
    # A token or an operation must never end the <script> element early.
    tabs_js = tabs_json.replace("</", "<\\/")
    namespace = hashlib.sha256(tabs_json.encode()).hexdigest()[:12]
    script = _STORAGE.format(tabs=tabs_js, namespace=namespace)
    return (
        template.replace(_TITLE, "<title>Dermaga GraphiQL</title>")
        .replace(_QUERY_STATE, "parameters.q,")
        .replace(_PROPS, f"{_PROPS}\n{_PROP_LINES}")
        .replace(_SCRIPT, f"{script}\n      {_SCRIPT}")
    )


_PROP_LINES = """          defaultTabs: DERMAGA_TABS,
          storage: dermagaStorage,"""
_STORAGE = """const DERMAGA_TABS = {tabs};
      // GraphiQL keeps its tabs in localStorage; a namespace per set of
      // examples opens new examples instead of the tabs of an earlier run.
      const dermagaPrefix = "dermaga-{namespace}:";
      const dermagaStorage = {{
        getItem: (key) => window.localStorage.getItem(dermagaPrefix + key),
        setItem: (key, value) =>
          window.localStorage.setItem(dermagaPrefix + key, value),
        removeItem: (key) => window.localStorage.removeItem(dermagaPrefix + key),
        clear: () => {{}},
        length: 0,
      }};"""
