//! Charts (placeholder module list filled below).
