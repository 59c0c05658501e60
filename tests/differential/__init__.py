"""The differential suite of issue 10: the same generic requests to a real OpenBao dev server and to the mock.

- :mod:`.wire`: a raw HTTP client (nothing normalised: duplicate headers, ``//``, unknown methods, long
  URLs) and the projection of an answer onto what is compared.
- :mod:`.openbao`: one hermetic OpenBao dev server with the analogue paths, policies and tokens.
- :mod:`.battery`: the path kinds, their mock and OpenBao paths, and the battery of requests.
- :mod:`.allowlist`: the few documented differences between Vault Enterprise and OpenBao.
"""
