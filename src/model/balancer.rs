//! Elastic Load Balancing v2: the load balancers, the ports their listeners accept and the targets they
//! forward to. A load balancer is not a free relay: a connection enters it on a listener port and leaves it
//! only for a registered target, on the target's port.

use super::{PortRange, Protocol};
use serde::{Deserialize, Serialize};

/// An Application, Network or Gateway Load Balancer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct LoadBalancer {
    /// Its ARN.
    pub arn: String,
    /// Its name.
    pub name: String,
    /// Its region.
    pub region: String,
    /// `application`, `network` or `gateway`.
    #[serde(default)]
    pub kind: String,
    /// Internet-facing (else internal).
    #[serde(default)]
    pub internet_facing: bool,
    /// Its VPC.
    #[serde(default)]
    pub vpc_id: Option<String>,
    /// Its security groups (none for Gateway Load Balancers and many Network Load Balancers).
    #[serde(default)]
    pub group_ids: Vec<String>,
    /// What its listeners accept. `None` when DescribeListeners failed for it: then nothing is known of
    /// what it accepts or forwards.
    #[serde(default)]
    pub listeners: Option<Vec<Listener>>,
}

impl LoadBalancer {
    /// The part of the ARN that the descriptions of its interfaces name (`ELB app/web/50dc6c495c0c9188`).
    pub fn interface_key(&self) -> Option<&str> {
        self.arn.split_once(":loadbalancer/").map(|(_, k)| k)
    }

    /// `internet-facing` or `internal`, as AWS names the scheme.
    pub fn scheme(&self) -> &'static str {
        if self.internet_facing {
            "internet-facing"
        } else {
            "internal"
        }
    }
}

/// One listener: a protocol and a port.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Listener {
    /// `HTTP`, `HTTPS`, `TCP`, `TLS`, `UDP`, `TCP_UDP` or `GENEVE`.
    pub protocol: String,
    /// The port it listens on.
    pub port: u16,
}

impl Listener {
    /// What it accepts, as (protocol, ports) pairs: `TCP_UDP` is both.
    pub fn accepts(&self) -> Vec<(Protocol, PortRange)> {
        transports(&self.protocol).iter().map(|p| (*p, PortRange::single(self.port))).collect()
    }
}

/// A target group: the targets a load balancer's listeners and listener rules forward to.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TargetGroup {
    /// Its ARN.
    pub arn: String,
    /// Its name.
    pub name: String,
    /// Its region.
    pub region: String,
    /// `instance`, `ip`, `lambda` or `alb`.
    pub target_type: String,
    /// The protocol to the targets; none for Lambda targets.
    #[serde(default)]
    pub protocol: Option<String>,
    /// The default port of its targets.
    #[serde(default)]
    pub port: Option<u16>,
    /// The load balancers whose listeners or listener rules forward to it. Listener rules are not read: a
    /// group attached to a load balancer is taken to be reachable from every one of its listeners.
    #[serde(default)]
    pub load_balancer_arns: Vec<String>,
    /// The registered targets. `None` when DescribeTargetHealth failed for it.
    #[serde(default)]
    pub targets: Option<Vec<Target>>,
}

impl TargetGroup {
    /// The transports to its targets. Unknown protocols count as both TCP and UDP.
    pub fn transports(&self) -> &'static [Protocol] {
        self.protocol.as_deref().map_or(&[Protocol::Tcp], transports)
    }
}

/// A registered target: an instance ID, an IP address, a Lambda function ARN or an ALB ARN.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Target {
    /// The target's ID: an instance ID, an IP address or an ARN.
    pub id: String,
    /// The port it receives on; none means the group's port (and for Lambda, none at all).
    #[serde(default)]
    pub port: Option<u16>,
    /// `healthy`, `unhealthy`, `initial`, `draining`, `unused`, `unavailable`. A load balancer still sends
    /// to unhealthy targets when none is healthy, so every registered target counts.
    #[serde(default)]
    pub state: Option<String>,
}

/// The transports a listener or target-group protocol runs on.
fn transports(protocol: &str) -> &'static [Protocol] {
    match protocol.to_ascii_uppercase().as_str() {
        "HTTP" | "HTTPS" | "TCP" | "TLS" => &[Protocol::Tcp],
        "UDP" | "GENEVE" => &[Protocol::Udp],
        _ => &[Protocol::Tcp, Protocol::Udp],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listener_protocols_map_to_transports() {
        let l = |p: &str| Listener { protocol: p.to_string(), port: 53 }.accepts();
        assert_eq!(l("HTTPS"), vec![(Protocol::Tcp, PortRange::single(53))]);
        assert_eq!(l("UDP"), vec![(Protocol::Udp, PortRange::single(53))]);
        assert_eq!(l("TCP_UDP").len(), 2);
    }

    #[test]
    fn interface_key_is_the_arn_suffix() {
        let lb = LoadBalancer {
            arn: "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188".into(),
            name: "web".into(),
            region: "us-east-1".into(),
            kind: "application".into(),
            internet_facing: true,
            vpc_id: None,
            group_ids: vec![],
            listeners: None,
        };
        assert_eq!(lb.interface_key(), Some("app/web/50dc6c495c0c9188"));
    }
}
