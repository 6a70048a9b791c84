package dev.adapt.dispatcher.planning;

import static org.assertj.core.api.Assertions.assertThat;

import dev.adapt.core.membership.LoadFailureRecord;
import dev.adapt.core.membership.SpecRecord;
import dev.adapt.core.membership.StaticMembership;
import dev.adapt.core.model.ModelLoadException;
import org.junit.jupiter.api.Test;

/** A model that cannot be loaded and an internal error of the dispatcher are reported apart. */
class LoadFailuresTest {
  private static final SpecRecord SPEC = new SpecRecord("/models/m", null, null, 2, 7);

  @Test
  void aModelThatCannotBeLoadedIsReportedAsTheModels() {
    try (StaticMembership membership = new StaticMembership("load-failures")) {
      LoadFailures.report(membership, SPEC, new ModelLoadException("no saved_model.pb"));

      LoadFailureRecord failure = membership.snapshot().loadFailure().orElseThrow();
      assertThat(failure.internal()).isFalse();
      assertThat(failure.error()).isEqualTo("no saved_model.pb");
      assertThat(failure.generation()).isEqualTo(7);
      assertThat(failure.model()).isEqualTo("/models/m");
    }
  }

  @Test
  void anyOtherFailureIsReportedAsInternal() {
    try (StaticMembership membership = new StaticMembership("load-failures")) {
      LoadFailures.report(membership, SPEC, new IllegalArgumentException("index 3 out of range"));

      LoadFailureRecord failure = membership.snapshot().loadFailure().orElseThrow();
      assertThat(failure.internal()).isTrue();
      assertThat(failure.error())
          .isEqualTo("java.lang.IllegalArgumentException: index 3 out of range");
    }
  }
}
