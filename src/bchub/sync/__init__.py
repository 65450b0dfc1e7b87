"""Operations: one module (or package) per verb, each using the client and the repositories."""
