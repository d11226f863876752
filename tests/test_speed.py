"""The test-suite shortcuts of tests/support/speed.py give what the uncached code gives."""
from __future__ import annotations

from werkzeug.routing.rules import Rule

from portal import create_app


def _shape(rule):
    return ([(p.content, p.final, p.static, p.suffixed, p.weight) for p in rule._parts], list(rule._trace),
            {k: (type(v), v.regex, v.map is rule.map) for k, v in rule._converters.items()}, sorted(rule.arguments))


def test_cached_route_parsing_equals_werkzeugs(app):
    """conftest installs the cache; every rule of a second app parses and builds URLs as
    werkzeug's own Rule.compile would."""
    assert getattr(Rule.compile, "_yishi_cached", False) and getattr(Rule._compile_builder, "_yishi_cached", False)
    other = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    compile_, builder = Rule.compile._yishi_original, Rule._compile_builder._yishi_original
    for rule in other.url_map.iter_rules():
        cached = _shape(rule)
        values = {name: 7 if "id" in name else "dorf-a" for name in rule.arguments}
        built = rule.build(values), rule.build({**values, "q": "a b"})
        fresh = Rule(rule.rule, endpoint=rule.endpoint, methods=rule.methods, defaults=rule.defaults)
        fresh.map, fresh.strict_slashes, fresh.merge_slashes, fresh.subdomain = (
            rule.map, rule.strict_slashes, rule.merge_slashes, rule.subdomain)
        compile_(fresh)
        fresh._build = builder(fresh, False).__get__(fresh, None)
        fresh._build_unknown = builder(fresh, True).__get__(fresh, None)
        assert cached == _shape(fresh), rule.rule
        assert built == (fresh.build(values), fresh.build({**values, "q": "a b"})), rule.rule
