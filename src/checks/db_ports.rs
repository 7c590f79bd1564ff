//! Well-known database and cache ports, for interfaces that are not managed databases.

/// One well-known port or port range of a self-hosted database, cache, search engine or broker.
#[derive(Debug, Clone, Copy)]
pub struct DatabasePort {
    pub from: u16,
    pub to: u16,
    pub engine: &'static str,
    /// Where the port is documented.
    pub source: &'static str,
}

const fn port(from: u16, to: u16, engine: &'static str, source: &'static str) -> DatabasePort {
    DatabasePort { from, to, engine, source }
}

/// The default TCP ports of what operators run on EC2 and in containers, each from the engine's own
/// documentation (or the IANA service-name registry), sorted by port.
pub static DATABASE_PORTS: &[DatabasePort] = &[
    port(1433, 1433, "SQL Server", "Microsoft: Configure the Windows Firewall to allow SQL Server access"),
    port(
        1434,
        1434,
        "SQL Server Browser / DAC",
        "Microsoft: Configure the Windows Firewall to allow SQL Server access",
    ),
    port(1521, 1521, "Oracle", "Oracle Database Net Services Administrator's Guide (default listener)"),
    port(2181, 2181, "ZooKeeper", "Apache ZooKeeper Administrator's Guide (clientPort)"),
    port(2379, 2380, "etcd", "etcd documentation: configuration flags (client and peer URLs)"),
    port(2483, 2484, "Oracle (TCP, TCP/SSL)", "IANA service names: oracle, oracle-ssl"),
    port(3050, 3050, "Firebird", "IANA service names: gds-db"),
    port(3306, 3306, "MySQL/MariaDB", "MySQL Port Reference"),
    port(5432, 5432, "PostgreSQL", "PostgreSQL documentation: Connections and Authentication (port)"),
    port(
        5433,
        5433,
        "YugabyteDB YSQL / Vertica",
        "YugabyteDB: Default ports reference; Vertica: Ports used by Vertica",
    ),
    port(5439, 5439, "Redshift", "Amazon Redshift Management Guide: default port"),
    port(5984, 5984, "CouchDB", "Apache CouchDB documentation: configuring CouchDB (chttpd port)"),
    port(6379, 6379, "Redis/Valkey", "Redis documentation: configuration (port)"),
    port(6432, 6432, "PgBouncer", "PgBouncer configuration (listen_port)"),
    port(7000, 7001, "Cassandra (inter-node)", "Apache Cassandra documentation: firewall ports"),
    port(7199, 7199, "Cassandra (JMX)", "Apache Cassandra documentation: firewall ports"),
    port(7474, 7474, "Neo4j (HTTP)", "Neo4j Operations Manual: ports"),
    port(7687, 7687, "Neo4j (Bolt)", "Neo4j Operations Manual: ports"),
    port(8086, 8086, "InfluxDB", "InfluxDB documentation: ports"),
    port(8091, 8096, "Couchbase", "Couchbase Server: network and firewall requirements"),
    port(8123, 8123, "ClickHouse (HTTP)", "ClickHouse documentation: network ports"),
    port(8182, 8182, "Gremlin Server / Neptune", "Apache TinkerPop: Gremlin Server configuration"),
    port(8529, 8529, "ArangoDB", "ArangoDB documentation: server options (endpoint)"),
    port(9000, 9000, "ClickHouse (native)", "ClickHouse documentation: network ports"),
    port(9042, 9042, "Cassandra (CQL)", "Apache Cassandra documentation: firewall ports"),
    port(9092, 9098, "Kafka", "Amazon MSK Developer Guide: port information"),
    port(9160, 9160, "Cassandra (Thrift)", "Apache Cassandra documentation: firewall ports"),
    port(9200, 9200, "Elasticsearch/OpenSearch", "OpenSearch documentation: network settings (http.port)"),
    port(
        9300,
        9300,
        "Elasticsearch/OpenSearch (transport)",
        "OpenSearch documentation: network settings (transport.port)",
    ),
    port(9440, 9440, "ClickHouse (native, TLS)", "ClickHouse documentation: network ports"),
    port(11210, 11210, "Couchbase (data)", "Couchbase Server: network and firewall requirements"),
    port(11211, 11211, "Memcached", "memcached documentation: -p (TCP port)"),
    port(16379, 16379, "Redis Cluster bus", "Redis documentation: cluster specification (port + 10000)"),
    port(26257, 26257, "CockroachDB", "CockroachDB documentation: cockroach start (--listen-addr)"),
    port(27017, 27019, "MongoDB", "MongoDB documentation: default MongoDB port"),
    port(28015, 28015, "RethinkDB", "RethinkDB documentation: network options"),
    port(33060, 33060, "MySQL X Protocol", "MySQL Port Reference"),
    port(50000, 50000, "DB2", "IBM Db2 documentation: default port"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_and_sourced() {
        assert!(DATABASE_PORTS.windows(2).all(|w| w[0].to < w[1].from), "sorted and disjoint");
        assert!(DATABASE_PORTS.iter().all(|p| p.from <= p.to && !p.source.is_empty()));
    }
}
