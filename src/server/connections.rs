//! Connection limits: in total and per client address, so that clients
//! that hold connections open (stalled bodies, idle keep-alives, slowloris)
//! cannot take every file descriptor, and one address cannot take them all.
//! Each accepted connection holds a [`ConnectionSlot`] until it closes.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// File descriptors kept for everything but client connections: the
/// listeners, the database files and connections, logs.
const FD_RESERVE: u64 = 256;
/// How often a refused connection may be logged at `warn`.
const WARN_EVERY: Duration = Duration::from_secs(60);

/// The open connections, counted.
pub struct ConnectionLimits {
    max_total: usize,
    max_per_client: usize,
    open: Mutex<Open>,
}

#[derive(Default)]
struct Open {
    total: usize,
    per_client: HashMap<IpAddr, usize>,
    last_warning: Option<Instant>,
}

/// Which limit refused a connection (a metrics label).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    Total,
    PerClient,
}

impl Refused {
    pub fn label(self) -> &'static str {
        match self {
            Self::Total => "total",
            Self::PerClient => "per_ip",
        }
    }
}

/// One open connection; dropping it (when the connection ends) frees it.
pub struct ConnectionSlot {
    limits: Arc<ConnectionLimits>,
    client: IpAddr,
    _metric: crate::metrics::OpenConnection,
}

impl ConnectionLimits {
    pub fn new(max_total: usize, max_per_client: usize) -> Arc<Self> {
        Arc::new(Self { max_total, max_per_client, open: Mutex::new(Open::default()) })
    }

    /// A slot for a new connection from `peer`, unless a limit is reached.
    pub fn admit(self: &Arc<Self>, peer: IpAddr) -> Result<ConnectionSlot, Refused> {
        let client = client_of(peer);
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let from_client = open.per_client.get(&client).copied().unwrap_or(0);
        let refused = if open.total >= self.max_total {
            Some(Refused::Total)
        } else if from_client >= self.max_per_client {
            Some(Refused::PerClient)
        } else {
            None
        };
        if let Some(refused) = refused {
            if open.last_warning.is_none_or(|at| at.elapsed() >= WARN_EVERY) {
                open.last_warning = Some(Instant::now());
                tracing::warn!(
                    limit = refused.label(),
                    %client,
                    "connection limit reached: new connections are closed at once (logged once a minute)"
                );
            }
            return Err(refused);
        }
        open.total += 1;
        open.per_client.insert(client, from_client + 1);
        Ok(ConnectionSlot { limits: self.clone(), client, _metric: crate::metrics::OpenConnection::start() })
    }
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        let mut open = self.limits.open.lock().unwrap_or_else(|p| p.into_inner());
        open.total -= 1;
        if let Some(count) = open.per_client.get_mut(&self.client) {
            *count -= 1;
            if *count == 0 {
                open.per_client.remove(&self.client);
            }
        }
    }
}

/// The address a limit counts by: an IPv4 address (also when it arrives
/// IPv4-mapped on an IPv6 listener), or an IPv6 /64, the block one
/// subscriber usually gets whole and can pick addresses from at will.
fn client_of(peer: IpAddr) -> IpAddr {
    match peer {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let [a, b, c, d, ..] = v6.segments();
                IpAddr::V6(Ipv6Addr::new(a, b, c, d, 0, 0, 0, 0))
            }
        },
    }
}

/// Raises the soft open-file limit towards `max_connections` plus a
/// reserve (as far as the hard limit allows: systemd's default soft limit
/// is 1024), and warns when it stays below, since then accepting fails
/// with EMFILE before `--max-connections` is reached.
pub fn ensure_file_descriptors(max_connections: usize) {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let wanted = max_connections as u64 + FD_RESERVE;
    let limit = getrlimit(Resource::Nofile);
    let (Some(current), maximum) = (limit.current, limit.maximum) else { return };
    if current >= wanted {
        return;
    }
    let raised = maximum.map_or(wanted, |max| max.min(wanted));
    if raised > current && setrlimit(Resource::Nofile, Rlimit { current: Some(raised), maximum }).is_ok() {
        tracing::debug!(from = current, to = raised, "raised the open-file limit");
    }
    let now = getrlimit(Resource::Nofile).current.unwrap_or(u64::MAX);
    if now < wanted {
        tracing::warn!(
            open_file_limit = now,
            max_connections,
            "the open-file limit is below --max-connections plus {FD_RESERVE}: raise it (LimitNOFILE, ulimit -n) \
             or lower --max-connections"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_are_counted_per_address_and_in_total_and_freed_on_drop() {
        let limits = ConnectionLimits::new(3, 2);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let first = limits.admit(a).unwrap();
        let _second = limits.admit(a).unwrap();
        assert_eq!(limits.admit(a).err(), Some(Refused::PerClient), "a third from one address");
        let _third = limits.admit(b).unwrap();
        assert_eq!(limits.admit(b).err(), Some(Refused::Total), "a fourth in all");
        drop(first);
        assert!(limits.admit(a).is_ok(), "a closed connection frees its slot");
    }

    #[test]
    fn an_ipv6_client_is_counted_by_its_64_and_a_mapped_ipv4_as_ipv4() {
        let one: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let same_64: IpAddr = "2001:db8:1:2:bbbb::2".parse().unwrap();
        let other_64: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(client_of(one), client_of(same_64));
        assert_ne!(client_of(one), client_of(other_64));
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(client_of(mapped), "192.0.2.7".parse::<IpAddr>().unwrap());
    }
}
