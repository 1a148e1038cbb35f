//! The fast server, in this process (`mw-bench serve`) or as a child
//! process, so that its CPU and memory are never counted as the client's.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};

use mw_bench::SeedReplies;

use crate::Res;

pub(crate) fn serve(port: u16, close: bool) -> Res<()> {
    let replies = SeedReplies::load()?;
    // One thread: pinned to one core by scripts/bench.sh, a multi-threaded
    // runtime only adds cross-thread wake-ups to every answer (the floor
    // ran 2-3x faster against this one), and the flows bench reports the
    // server's CPU per request and its share of the core beside each rate.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let (listener, addr) = mw_bench::bind(port).await?;
        println!("url http://{addr}/w/api.php");
        std::io::stdout().flush()?;
        mw_bench::serve(listener, replies, close).await;
        Ok(())
    })
}

/// A `mw-bench serve` child, killed on drop.
pub(crate) struct ServerChild {
    child: Child,
    url: String,
}

impl ServerChild {
    fn start(close: bool) -> Res<ServerChild> {
        let mut child = Command::new(std::env::current_exe()?)
            .arg("serve")
            .args(close.then_some("--close"))
            .stdout(Stdio::piped())
            .stdin(Stdio::null())
            .spawn()?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        let url = line
            .trim()
            .strip_prefix("url ")
            .ok_or_else(|| format!("the server said {line:?}"))?
            .to_owned();
        Ok(ServerChild { child, url })
    }
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for ServerChild {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The given URL, or a child server's.
pub(crate) fn server(url: Option<&str>) -> Res<(String, Option<ServerChild>)> {
    server_with(url, false)
}

pub(crate) fn server_with(url: Option<&str>, close: bool) -> Res<(String, Option<ServerChild>)> {
    match url {
        Some(u) => Ok((u.to_owned(), None)),
        None => {
            let child = ServerChild::start(close)?;
            Ok((child.url.clone(), Some(child)))
        }
    }
}
