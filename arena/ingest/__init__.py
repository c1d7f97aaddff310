"""Import pipeline: detection, mapping, parsing, validation and loading of ticketing exports."""
