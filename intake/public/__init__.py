"""The public face: what families see. Holds only public keys."""
