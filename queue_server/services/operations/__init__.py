"""Operations services."""
