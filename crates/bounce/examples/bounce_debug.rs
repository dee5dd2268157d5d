//! Developer aid: prints what the recognisers see of a message, then the analysis.
//! `cargo run -p mailway-bounce --example bounce_debug -- FILE`

fn main() {
    for p in std::env::args().skip(1) {
        let raw = std::fs::read(&p).expect("read");
        println!("===== {p}\n{}", mailway_bounce::debug_view(&raw));
        println!("{:#?}", mailway_bounce::analyze(&raw));
    }
}
