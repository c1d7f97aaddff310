"""Customer enrichment: gender from the first name, age from the birth date, distance to venue."""
