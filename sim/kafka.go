package sim

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// The Kafka transport maps a run onto topics and consumer groups. Fan-out
// is one topic, msgsim-RUNID, read by one consumer group per queue
// (msgsim-RUNID-qQ): every group reads every record. Round-robin and key
// dispatch write queue Q's messages to topic msgsim-RUNID-qQ, read by group
// msgsim-RUNID-qQ. Every topic has as many partitions as a queue has
// consumers, so each of a group's members owns one when the group is
// settled; records of key dispatch carry their key, which Kafka hashes to
// a partition, others go round-robin. By default the cluster is kfake,
// in this process, on loopback; --kafka-brokers names a real one, whose
// topics are deleted at the end.

// SASL mechanisms for --kafka-sasl.
var KafkaSASLs = []string{"plain", "scram-sha-256", "scram-sha-512"}

// kafkaTransport is a Kafka run's cluster and settings.
type kafkaTransport struct {
	cluster *kfake.Cluster // nil with --kafka-brokers
	seeds   []string
	opts    []kgo.Opt // connection, SASL and TLS
	runID   string
	queues  int
	fanout  bool
	admin   *kgo.Client
}

func newKafkaTransport(cfg Config) (*kafkaTransport, error) {
	t := &kafkaTransport{runID: cfg.RunID, queues: cfg.Queues, fanout: cfg.Dispatch == Fanout}
	if cfg.KafkaBrokers == "" {
		c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.GroupMinSessionTimeout(100*time.Millisecond))
		if err != nil {
			return nil, fmt.Errorf("%w: in-process Kafka cluster: %v", ErrTransport, err)
		}
		t.cluster, t.seeds = c, c.ListenAddrs()
	} else {
		for _, b := range strings.Split(cfg.KafkaBrokers, ",") {
			t.seeds = append(t.seeds, strings.TrimSpace(b))
		}
	}
	t.opts = []kgo.Opt{kgo.SeedBrokers(t.seeds...), kgo.DialTimeout(2 * time.Second), kgo.RetryTimeout(max(cfg.DrainTimeout, 2*time.Second))}
	switch cfg.KafkaSASL {
	case "plain":
		t.opts = append(t.opts, kgo.SASL(plain.Auth{User: cfg.KafkaUser, Pass: cfg.KafkaPassword}.AsMechanism()))
	case "scram-sha-256":
		t.opts = append(t.opts, kgo.SASL(scram.Auth{User: cfg.KafkaUser, Pass: cfg.KafkaPassword}.AsSha256Mechanism()))
	case "scram-sha-512":
		t.opts = append(t.opts, kgo.SASL(scram.Auth{User: cfg.KafkaUser, Pass: cfg.KafkaPassword}.AsSha512Mechanism()))
	}
	if cfg.KafkaTLS {
		tc := &tls.Config{MinVersion: tls.VersionTLS12}
		if cfg.KafkaCA != "" {
			pem, err := os.ReadFile(cfg.KafkaCA)
			if err != nil {
				t.close()
				return nil, fmt.Errorf("%w: --kafka-ca: %v", ErrTransport, err)
			}
			tc.RootCAs = x509.NewCertPool()
			if !tc.RootCAs.AppendCertsFromPEM(pem) {
				t.close()
				return nil, fmt.Errorf("%w: --kafka-ca: no PEM certificate in the file", ErrTransport)
			}
		}
		t.opts = append(t.opts, kgo.DialTLSConfig(tc))
	}
	return t, nil
}

// topic is queue q's topic; group its consumer group.
func (t *kafkaTransport) topic(q int) string {
	if t.fanout {
		return "msgsim-" + t.runID
	}
	return "msgsim-" + t.runID + "-q" + strconv.Itoa(q)
}

func (t *kafkaTransport) group(q int) string { return "msgsim-" + t.runID + "-q" + strconv.Itoa(q) }

// topics lists the run's topics, once each.
func (t *kafkaTransport) topics() []string {
	if t.fanout {
		return []string{t.topic(0)}
	}
	out := make([]string, t.queues)
	for q := range out {
		out[q] = t.topic(q)
	}
	return out
}

// setup creates the topics, partitions partitions each.
func (t *kafkaTransport) setup(partitions int) error {
	cl, err := kgo.NewClient(t.opts...)
	if err != nil {
		return fmt.Errorf("%w: kafka client: %v", ErrTransport, err)
	}
	t.admin = cl
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req := kmsg.NewPtrCreateTopicsRequest()
	req.TimeoutMillis = 10_000
	for _, name := range t.topics() {
		rt := kmsg.NewCreateTopicsRequestTopic()
		rt.Topic, rt.NumPartitions, rt.ReplicationFactor = name, int32(partitions), -1
		req.Topics = append(req.Topics, rt)
	}
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return fmt.Errorf("%w: cannot reach the Kafka cluster at %s: %v", ErrTransport, redactBrokers(strings.Join(t.seeds, ",")), err)
	}
	for _, rt := range resp.Topics {
		if err := kerrOf(rt.ErrorCode); err != nil {
			return fmt.Errorf("%w: create topic %s: %v", ErrTransport, rt.Topic, err)
		}
	}
	return nil
}

// kerrOf turns a Kafka error code into an error, nil for none.
func kerrOf(code int16) error {
	if code == 0 {
		return nil
	}
	return errors.New("kafka error code " + strconv.Itoa(int(code)))
}

// close deletes the topics from a real cluster and stops an in-process one.
func (t *kafkaTransport) close() {
	if t.admin != nil {
		if t.cluster == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			req := kmsg.NewPtrDeleteTopicsRequest()
			req.TimeoutMillis = 2000
			for _, name := range t.topics() {
				n := name
				rt := kmsg.NewDeleteTopicsRequestTopic()
				rt.Topic = &n
				req.Topics = append(req.Topics, rt)
				req.TopicNames = append(req.TopicNames, name)
			}
			_, _ = req.RequestWith(ctx, t.admin)
			cancel()
		}
		t.admin.Close()
	}
	if t.cluster != nil {
		t.cluster.Close()
	}
}

// redactBrokers drops any user info from a broker list, as RedactURLs does
// for NATS URLs: secrets never print.
func redactBrokers(s string) string { return RedactURLs(s) }
