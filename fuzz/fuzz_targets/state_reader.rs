//! Fuzz target: any bytes given to the saved-state reader (`state::file::decode`, the one behind
//! `zgc run --from-state` and `--resume`) give `Ok` or `Err`, never a panic, both as they are
//! (the checksum refuses nearly all) and with their checksum made right (so that mutations reach
//! the header and body decoders and the structure checks). An accepted state is continued as
//! the tiny test town (`tests/fixtures/tiny_city`): the prefix check, the policy records and the
//! state invariants accept or refuse it, without a panic. `tests/corpus.rs` runs the same
//! checks over the kept corpus.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    zgc::state::file::check_any(data);
});
