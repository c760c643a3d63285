"""The reliability campaign: syncs from the local Fauna under injected faults, connector kills and node
kills, then compares what a destination would hold with the database. Run it with `make campaign`."""
