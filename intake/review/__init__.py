"""The review face: advocates' workspace. Holds the private keys, unlocked at start."""
