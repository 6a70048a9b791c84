package dev.adapt.dispatcher.planning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.adapt.core.membership.SpecRecord;
import dev.adapt.core.model.ModelLoadException;
import dev.adapt.core.testing.TestModels;
import dev.adapt.dispatcher.planning.PipelineFactory.Resolution;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which failures of resolving a spec are the spec's (a failed plan) and which are not. */
class PipelineFactoryTest {
  private static final String MLP = TestModels.fixtureDirectory(TestModels.MODULE_MLP).toString();

  @Test
  void aValidSpecResolvesToAPipeline() {
    Resolution resolution = PipelineFactory.resolve(new SpecRecord(MLP, null, null, 2, 5));

    assertThat(resolution.valid()).isTrue();
    assertThat(resolution.plan().generation()).isEqualTo(5);
    assertThat(resolution.served().stageCount()).isEqualTo(2);
  }

  @Test
  void splitPointsAndStageCountsTheModelDoesNotAllowAreAFailedPlan() {
    Resolution unknownSplit =
        PipelineFactory.resolve(new SpecRecord(MLP, null, List.of("no_such_layer"), null, 2));
    Resolution tooManyStages = PipelineFactory.resolve(new SpecRecord(MLP, null, null, 99, 3));
    Resolution disagreeing =
        PipelineFactory.resolve(new SpecRecord(MLP, null, List.of("no_such_layer"), 5, 4));

    assertThat(unknownSplit.valid()).isFalse();
    assertThat(unknownSplit.failed().error()).contains("invalid split point 'no_such_layer'");
    assertThat(unknownSplit.failed().validCutPoints()).isNotEmpty();
    assertThat(tooManyStages.failed().error()).contains("into 99 stages");
    assertThat(tooManyStages.failed().generation()).isEqualTo(3);
    assertThat(disagreeing.failed().error())
        .isEqualTo("spec: set exactly one of splitAt and stages");
  }

  @Test
  void aModelThatCannotBeLoadedIsThrownNotAFailedPlan() {
    assertThatThrownBy(
            () -> PipelineFactory.resolve(new SpecRecord("/no/such/model", null, null, 2, 1)))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("no such directory");
    assertThatThrownBy(
            () -> PipelineFactory.resolve(new SpecRecord("builtin:nonet", null, null, 2, 1)))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("unknown built-in model 'nonet'");
  }
}
