"""Residents who cannot use a phone well: the committee imports the community roster
(households included) and prints single-use login cards."""
