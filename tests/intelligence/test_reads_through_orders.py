"""Duplicates and intelligence read the orders through orders' public interface (orders.queries, orders
.service) and change them only through orders.service: neither imports another domain's tables (issue 15)."""

from __future__ import annotations

import pytest

from tests.test_layering import PACKAGE, imports_of


@pytest.mark.parametrize("domain", ["duplicates", "intelligence"])
def test_no_module_imports_another_domains_models(domain):
    reaches = {
        f"{path.stem} -> {target}"
        for path in sorted((PACKAGE / domain).glob("*.py"))
        for target in imports_of(path)
        if target.endswith(".models") and target != f"huitian.{domain}.models"
    }
    assert reaches == set()
