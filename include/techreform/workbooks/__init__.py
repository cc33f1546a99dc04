"""Workbooks the product writes for people: the return template and the receipt (回执); the
quarterly check, bulletin and assessment arrive with the indicators."""
