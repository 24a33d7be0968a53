//! Topic administration: create, delete, describe and list topics.
//!
//! Against a real broker these are Kafka's admin requests. Against an
//! [`EmbeddedKafka`](crate::EmbeddedKafka) of this process, topic creation
//! goes through the mock cluster's handle (the mock has no CreateTopics) and
//! deletion is reported as unsupported.

mod topic;

use std::sync::Arc;
use std::time::Duration;

use rdkafka::admin::{AdminClient, AdminOptions};
use rdkafka::client::DefaultClientContext;
use rdkafka::types::RDKafkaErrorCode;

use crate::config::ClientConfig;
use crate::embedded::{self, EmbeddedHandle};
use crate::error::{Error, Result};

pub use topic::{NewTopic, PartitionDescription, TopicDescription};

/// An admin client.
///
/// ```no_run
/// # async fn demo() -> kafka_client::Result<()> {
/// use kafka_client::{Admin, ClientConfig, NewTopic};
/// let admin = Admin::new(&ClientConfig::new())?;
/// admin.create_topics(&[NewTopic::new("orders", 6).config("cleanup.policy", "compact")]).await?;
/// assert_eq!(admin.describe_topic("orders").await?.partitions.len(), 6);
/// # Ok(()) }
/// ```
pub struct Admin {
    client: Arc<AdminClient<DefaultClientContext>>,
    embedded: Option<EmbeddedHandle>,
    bootstrap_servers: String,
    timeout: Duration,
}

impl std::fmt::Debug for Admin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Admin")
            .field("bootstrap_servers", &self.bootstrap_servers)
            .field("embedded", &self.embedded.is_some())
            .finish()
    }
}

impl Admin {
    /// An admin client for the cluster `config` points at.
    pub fn new(config: &ClientConfig) -> Result<Self> {
        let bootstrap_servers = config.resolved_bootstrap_servers()?;
        let client: AdminClient<DefaultClientContext> = config
            .to_rdkafka()?
            .create()
            .map_err(|e| Error::kafka("creating the admin client", e))?;
        Ok(Admin {
            client: Arc::new(client),
            embedded: embedded::lookup(&bootstrap_servers),
            bootstrap_servers,
            timeout: config.timeout(),
        })
    }

    /// Whether this client talks to an embedded cluster of this process.
    pub fn is_embedded(&self) -> bool {
        self.embedded.is_some()
    }

    /// Creates topics. A topic that already exists is an [`Error::Admin`]
    /// naming it; see [`Admin::create_topic_if_missing`] for the lenient form.
    pub async fn create_topics(&self, topics: &[NewTopic]) -> Result<()> {
        if let Some(handle) = &self.embedded {
            for topic in topics {
                if self.topic_exists(&topic.name).await? {
                    return Err(Error::Admin {
                        operation: "create_topics",
                        topic: topic.name.clone(),
                        message: "the topic already exists".into(),
                    });
                }
                handle.create_topic(&topic.name, topic.partitions, topic.replication_factor)?;
            }
            return Ok(());
        }
        let specs: Vec<_> = topics.iter().map(NewTopic::to_rdkafka).collect();
        let options = AdminOptions::new().operation_timeout(Some(self.timeout));
        let results = self
            .client
            .create_topics(specs.iter(), &options)
            .await
            .map_err(|e| Error::kafka("create_topics", e))?;
        for result in results {
            if let Err((topic, code)) = result {
                return Err(Error::Admin {
                    operation: "create_topics",
                    topic,
                    message: code.to_string(),
                });
            }
        }
        Ok(())
    }

    /// Creates a topic unless one of that name exists. Returns whether it
    /// created it. An existing topic with a different partition count is an
    /// error, since keys would land on other partitions than expected.
    pub async fn create_topic_if_missing(&self, topic: &NewTopic) -> Result<bool> {
        if let Some(existing) = self.try_describe_topic(&topic.name).await? {
            let count = existing.partitions.len() as i32;
            if count != topic.partitions {
                return Err(Error::Admin {
                    operation: "create_topics",
                    topic: topic.name.clone(),
                    message: format!(
                        "the topic exists with {count} partitions, but {} were expected",
                        topic.partitions
                    ),
                });
            }
            return Ok(false);
        }
        match self.create_topics(std::slice::from_ref(topic)).await {
            Ok(()) => Ok(true),
            // Someone else created it between our look and our create.
            Err(Error::Admin { message, .. })
                if message.contains("already exists")
                    || message.contains(&RDKafkaErrorCode::TopicAlreadyExists.to_string()) =>
            {
                Ok(false)
            }
            Err(e) => Err(e),
        }
    }

    /// Deletes topics. Unsupported on the embedded cluster.
    pub async fn delete_topics(&self, names: &[&str]) -> Result<()> {
        if self.embedded.is_some() {
            return Err(Error::Unsupported {
                operation: "delete_topics",
                cluster: "the embedded cluster",
                hint:
                    "librdkafka's mock cluster has no DeleteTopics; use fresh topic names instead",
            });
        }
        let options = AdminOptions::new().operation_timeout(Some(self.timeout));
        let results = self
            .client
            .delete_topics(names, &options)
            .await
            .map_err(|e| Error::kafka("delete_topics", e))?;
        for result in results {
            if let Err((topic, code)) = result {
                return Err(Error::Admin {
                    operation: "delete_topics",
                    topic,
                    message: code.to_string(),
                });
            }
        }
        Ok(())
    }

    /// Describes a topic: its partitions, leaders and replicas.
    pub async fn describe_topic(&self, name: &str) -> Result<TopicDescription> {
        self.try_describe_topic(name)
            .await?
            .ok_or_else(|| Error::UnknownTopic {
                topic: name.to_string(),
            })
    }

    /// How many partitions a topic has.
    pub async fn partition_count(&self, name: &str) -> Result<i32> {
        Ok(self.describe_topic(name).await?.partitions.len() as i32)
    }

    /// Whether a topic exists.
    pub async fn topic_exists(&self, name: &str) -> Result<bool> {
        Ok(self.try_describe_topic(name).await?.is_some())
    }

    /// The names of all topics, sorted.
    pub async fn list_topics(&self) -> Result<Vec<String>> {
        let mut names: Vec<String> = self
            .all_topics()
            .await?
            .into_iter()
            .map(|t| t.name)
            .collect();
        names.sort();
        Ok(names)
    }

    async fn try_describe_topic(&self, name: &str) -> Result<Option<TopicDescription>> {
        Ok(self
            .all_topics()
            .await?
            .into_iter()
            .find(|t| t.name == name))
    }

    /// Fetches metadata for all topics. Asking for one topic by name could
    /// auto-create it on brokers that allow that; asking for all never does.
    async fn all_topics(&self) -> Result<Vec<TopicDescription>> {
        let client = self.client.clone();
        let timeout = self.timeout;
        let bootstrap_servers = self.bootstrap_servers.clone();
        tokio::task::spawn_blocking(move || {
            let metadata = client.inner().fetch_metadata(None, timeout).map_err(|e| {
                Error::BrokerUnreachable {
                    bootstrap_servers,
                    timeout,
                    message: e.to_string(),
                }
            })?;
            Ok(metadata
                .topics()
                .iter()
                .filter(|t| t.error().is_none())
                .map(TopicDescription::from_metadata)
                .collect())
        })
        .await
        .map_err(|e| Error::Embedded(format!("metadata task failed: {e}")))?
    }
}
