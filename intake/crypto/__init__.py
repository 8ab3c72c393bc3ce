"""Cryptography of the intake service, built only on pyca/cryptography.

Modules:
  errors       the domain errors every caller catches
  fields       per-field AES-256-GCM under a record's data key
  wraps        data-key wraps: HPKE to the review key (inbox), AES-GCM under the KEK (working store)
  keys         key material types and their serialisation (review pair, KEK, escrow)
  keystore     the passphrase-protected key file of the review face and the public bundle
  vault        the keys a running process holds, and the per-session data-key cache
  blind_index  keyed, truncated HMAC over normalised values
  receipts     receipt generation, Argon2id verification, the family's reply key
  audit_chain  hash chain and Ed25519 signatures of audit entries
"""
