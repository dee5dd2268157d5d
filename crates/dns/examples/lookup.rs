//! Looks a name up and prints the answer with its evidence (server, TTL, AD bit), or the typed
//! error. Also shows a direct, non-recursive query to one server.
//!
//! ```sh
//! cargo run -p mailway-dns --example lookup -- 127.0.10.53 good.test MX
//! cargo run -p mailway-dns --example lookup -- 127.0.10.54 lame.test SOA --direct
//! ```

use std::str::FromStr;
use std::time::Duration;

use mailway_dns::{QueryOptions, RecordType, Resolver, ResolverConfig, parse_server};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 3 {
        eprintln!("usage: lookup SERVER[:PORT] NAME TYPE [--direct]");
        std::process::exit(2);
    }
    let server = parse_server(&args[0])?;
    let rtype = RecordType::from_str(&args[2].to_ascii_uppercase())?;
    let resolver = Resolver::new(
        ResolverConfig::new([server])
            .with_timeout(Duration::from_secs(2))
            .with_attempts(1),
    )?;
    if args.iter().any(|a| a == "--direct") {
        let resp = resolver
            .query_server(server, &args[1], rtype, QueryOptions::default())
            .await?;
        println!(
            "{} from {} (aa={} ad={} ra={}) in {:?}",
            resp.rcode,
            resp.server,
            resp.authoritative,
            resp.authenticated,
            resp.recursion_available,
            resp.elapsed
        );
        for rr in &resp.answer_rrs {
            println!("  {rr}");
        }
        return Ok(());
    }
    match resolver.lookup(&args[1], rtype).await {
        Ok(answer) => {
            println!(
                "answered by {} (authenticated: {}), ttl {}",
                answer.server, answer.authenticated, answer.ttl
            );
            for rr in answer.cnames.iter().chain(&answer.rrs) {
                println!("  {rr}");
            }
        }
        Err(e) => {
            let kind = if e.is_not_found() {
                "definitive"
            } else {
                "temporary"
            };
            println!("{kind}: {e}");
        }
    }
    Ok(())
}
