package dev.marketplace.search.es;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

import org.elasticsearch.Version;
import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.node.Node;
import org.elasticsearch.plugins.PluginsLoader;

/**
 * Starts one or more real Elasticsearch 8 nodes in this JVM, from Maven Central artifacts.
 *
 * <p>Why this exists: the ready-made org.codelibs cluster runner is not published for 8.x, and the
 * distribution tarball is not on Maven Central. This does what the packaged launcher does after its
 * checks: builds an Environment, loads the modules from a modules/ folder (plugin descriptors that
 * point at classes on our classpath) and starts a Node. It is the real server code: Lucene, mappings,
 * search, bulk, cluster coordination.
 *
 * <p>Usage: EmbeddedElasticsearch BASE_PATH (holding modules/)  NUM_NODES BASE_HTTP_PORT [CLUSTER_NAME [NODE_INDEX]].
 * Node i (0-based) listens for HTTP on BASE_HTTP_PORT + i and for transport on BASE_HTTP_PORT + 100 + i,
 * with its data under BASE_PATH/node-(i+1). Without NODE_INDEX every node runs in this JVM; with it,
 * only that node does, and finds the others by their transport ports (discovery.seed_hosts): one
 * process per node, so failure tests can SIGKILL a single node (scripts/elasticsearch.sh does this).
 */
public final class EmbeddedElasticsearch {
  private EmbeddedElasticsearch() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 3) {
      System.err.println("usage: EmbeddedElasticsearch BASE_PATH NUM_NODES BASE_HTTP_PORT [CLUSTER_NAME]");
      System.exit(2);
    }
    Path base = Path.of(args[0]).toAbsolutePath();
    int nodeCount = Integer.parseInt(args[1]);
    int httpPort = Integer.parseInt(args[2]);
    String clusterName = args.length > 3 ? args[3] : "marketplace-local";
    int onlyNode = args.length > 4 ? Integer.parseInt(args[4]) : -1;
    if (onlyNode >= nodeCount) {
      System.err.println("NODE_INDEX must be below NUM_NODES");
      System.exit(2);
    }

    List<String> seedHosts = new ArrayList<>();
    List<String> nodeNames = new ArrayList<>();
    for (int i = 0; i < nodeCount; i++) {
      seedHosts.add("127.0.0.1:" + (httpPort + 100 + i));
      nodeNames.add("node-" + (i + 1));
    }

    LogConfigurator.configureWithoutConfig(Settings.EMPTY);
    LogConfigurator.configureESLogging();
    Path modules = base.resolve("modules");
    // The plugin classes must be loaded by the module's own class loader, so their jars sit in
    // modules/<name>/ (copied there by scripts/elasticsearch.sh) and not on our classpath.
    writeModule(modules, "transport-netty4", "org.elasticsearch.transport.netty4.Netty4Plugin");
    writeModule(modules, "marketplace-analysis", "dev.marketplace.search.es.MarketplaceAnalysisPlugin");
    List<Node> nodes = new ArrayList<>();
    for (int i = 0; i < nodeCount; i++) {
      if (onlyNode >= 0 && i != onlyNode) {
        continue;
      }
      Path home = base.resolve(nodeNames.get(i));
      Path config = home.resolve("config");
      Files.createDirectories(config);
      Files.createDirectories(home.resolve("data"));
      Files.createDirectories(home.resolve("logs"));
      boolean freshCluster = !Files.exists(home.resolve("data").resolve("_state"));
      Settings.Builder settings = Settings.builder()
          .put("cluster.name", clusterName)
          .put("node.name", nodeNames.get(i))
          .put("path.home", home.toString())
          .put("path.data", home.resolve("data").toString())
          .put("path.logs", home.resolve("logs").toString())
          .put("network.host", "127.0.0.1")
          .put("http.port", httpPort + i)
          .put("transport.port", httpPort + 100 + i)
          .put("http.type", "netty4")
          .put("transport.type", "netty4")
          // Dev machines often run with little free disk; a watermark would silently block writes.
          .put("cluster.routing.allocation.disk.threshold_enabled", false)
          .put("action.destructive_requires_name", false);
      if (nodeCount == 1) {
        settings.put("discovery.type", "single-node");
      } else {
        settings.putList("discovery.seed_hosts", seedHosts);
        if (freshCluster) {
          settings.putList("cluster.initial_master_nodes", nodeNames);
        }
      }
      settings.put("path.shared_data", home.resolve("shared").toString());
      Environment env = new Environment(settings.build(), config);
      PluginsLoader loader = PluginsLoader.createPluginsLoader(
          PluginsLoader.loadModulesBundles(modules), Set.of(), Map.of(), false);
      Node node = new Node(env, loader);
      nodes.add(node);
    }
    // Start in parallel: in a multi-node cluster the first node waits for a quorum of masters.
    List<Thread> starters = new ArrayList<>();
    for (Node node : nodes) {
      Thread t = new Thread(() -> {
        try {
          node.start();
        } catch (Exception e) {
          e.printStackTrace();
          System.exit(1);
        }
      });
      t.start();
      starters.add(t);
    }
    for (Thread t : starters) {
      t.join();
    }
    System.out.println("elasticsearch started: " + nodes.size() + " node(s) in this process, http from port "
        + (httpPort + Math.max(0, onlyNode)));

    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      for (Node node : nodes) {
        try {
          node.close();
        } catch (Exception e) {
          e.printStackTrace();
        }
      }
      stopped.countDown();
    }));
    stopped.await();
  }

  /** Writes the descriptor a packaged module carries; the jars are already in the folder. */
  private static void writeModule(Path modules, String name, String className) throws java.io.IOException {
    Path dir = modules.resolve(name);
    Files.createDirectories(dir);
    String descriptor = String.join("\n",
        "description=" + name,
        "version=" + Version.CURRENT,
        "name=" + name,
        "classname=" + className,
        "java.version=17",
        "elasticsearch.version=" + Version.CURRENT,
        "");
    Path file = dir.resolve("plugin-descriptor.properties");
    // Node processes of one cluster share modules/: rewriting a file another is reading would race.
    if (Files.exists(file) && Files.readString(file).equals(descriptor)) {
      return;
    }
    Path tmp = Files.createTempFile(modules.getParent(), name, ".descriptor.tmp");
    Files.writeString(tmp, descriptor);
    Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }
}
