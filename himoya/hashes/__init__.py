"""Hash lists of known abuse pictures, fingerprints of every uploaded picture, and matching."""
