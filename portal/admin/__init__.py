"""Platform administration: communities and their first committee members."""
