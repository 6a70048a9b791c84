package dev.adapt.dispatcher;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import java.net.URL;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The dispatcher image logs what the dispatcher does at INFO, and its libraries' chatter not at
 * all: without a configuration of its own, logback logs everything at DEBUG, and Jetty's lines for
 * every probe connection crowd the useful ones out of the container log.
 */
class LoggingConfigurationTest {

  @Test
  void theImageLogsTheDispatcherAtInfoAndLibrariesAtWarn() throws Exception {
    // The file in the jar, not logback-test.xml, which the tests' classpath puts first.
    URL production = Path.of("src/main/resources/logback.xml").toUri().toURL();
    LoggerContext context = new LoggerContext();
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    configurator.doConfigure(production);

    assertThat(context.getLogger(Dispatcher.class).isInfoEnabled()).isTrue();
    assertThat(context.getLogger(Dispatcher.class).isDebugEnabled()).isFalse();
    for (String library : new String[] {"org.eclipse.jetty.server", "io.grpc", "io.netty"}) {
      assertThat(context.getLogger(library).isInfoEnabled()).as(library).isFalse();
      assertThat(context.getLogger(library).isWarnEnabled()).as(library).isTrue();
    }
    context.stop();
  }
}
