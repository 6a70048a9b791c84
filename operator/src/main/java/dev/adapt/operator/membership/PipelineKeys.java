package dev.adapt.operator.membership;

import dev.adapt.core.membership.EtcdSettings;
import dev.adapt.core.membership.MembershipKeys;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.DeleteOption;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Removes everything a pipeline keeps in an etcd that outlives it (an external one). */
public final class PipelineKeys {

  private static final Logger log = LoggerFactory.getLogger(PipelineKeys.class);

  private PipelineKeys() {}

  /**
   * Deletes the pipeline's keys when its resource is deleted. While etcd is unreachable this
   * throws, so that the deletion is retried; after {@code patience} it gives up and reports what
   * was left behind, so that an etcd gone for good cannot block the deletion.
   *
   * @return a description of the keys left behind, or empty when they were deleted
   */
  public static Optional<String> deleteOnDeletion(
      List<String> endpoints,
      String pipelineId,
      Instant deletedAt,
      Instant now,
      Duration patience) {
    try {
      long deleted = deleteAll(endpoints, pipelineId);
      log.info("Deleted {} etcd keys of pipeline {}", deleted, pipelineId);
      return Optional.empty();
    } catch (IllegalStateException e) {
      if (Duration.between(deletedAt, now).compareTo(patience) < 0) {
        throw e;
      }
      log.warn("Giving up deleting the etcd keys of {}: {}", pipelineId, e.getMessage());
      return Optional.of(e.getMessage());
    }
  }

  /**
   * Deletes every key under the pipeline's prefix.
   *
   * @return the number of keys deleted
   * @throws IllegalStateException when etcd cannot be reached in time
   */
  public static long deleteAll(List<String> endpoints, String pipelineId) {
    EtcdSettings settings = EtcdSettings.of(String.join(",", endpoints));
    ByteSequence prefix =
        ByteSequence.from(new MembershipKeys(pipelineId).prefix(), StandardCharsets.UTF_8);
    try (Client client =
        Client.builder()
            .endpoints(settings.endpoints())
            .connectTimeout(settings.operationTimeout())
            .build()) {
      return client
          .getKVClient()
          .delete(prefix, DeleteOption.builder().isPrefix(true).build())
          .get(settings.operationTimeout().toMillis(), TimeUnit.MILLISECONDS)
          .getDeleted();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted deleting the keys of " + pipelineId, e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException(
          "cannot delete the etcd keys of pipeline " + pipelineId + " at " + endpoints + ": " + e,
          e);
    }
  }
}
