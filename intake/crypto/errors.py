"""Domain errors raised by the crypto layer. Messages never contain key material or plaintext."""


class CryptoError(Exception):
    """Base class: something about keys or ciphertext is wrong. Fails closed."""


class DecryptionError(CryptoError):
    """A ciphertext did not authenticate: tampered, moved to another row or column, or wrong key."""


class UnknownKeyError(CryptoError):
    """A ciphertext or wrap names a key id this process does not hold."""


class WriteOnlyError(CryptoError):
    """This process holds only public keys (the public face): it can seal but never read back."""


class KeysLockedError(CryptoError):
    """The review keys exist but have not been unlocked with the operator passphrase."""


class WrongPassphraseError(CryptoError):
    """The passphrase does not open the keystore."""


class KeystoreError(CryptoError):
    """The key file is missing, malformed or of an unknown format version."""
