"""People's mediation (人民调解): private dispute cases, need-to-know access."""
