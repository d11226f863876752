"""The web layer: what every capability's views use, and nothing capability-specific.

Display modes and locale (display.py, i18n.py, dates.py), one question per screen (steps.py),
require() and the permission plumbing (permissions.py), the PortalError family and the error pages
(errors.py), security headers and safe redirects (security.py), and the action wrapper that owns
a form POST's transaction (actions.py). Nothing here imports a capability package: capabilities
import the web layer, never the other way round (tests/test_architecture.py reads the imports).
See docs/architecture.md.
"""
