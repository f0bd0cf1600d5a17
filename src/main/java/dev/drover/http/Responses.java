package dev.drover.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;

/** JSON responses of the API: a value as its body, or {@code {"error": "..."}}. */
final class Responses {
  private Responses() {}

  /** {@code value} as JSON with {@code status}. */
  static HttpResponse json(StatusCode status, Object value) {
    byte[] body;
    try {
      body = Json.mapper().writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      // every value sent is one of our records or the runner's, so this is a bug
      throw new IllegalStateException("cannot write " + value.getClass().getName() + " as JSON", e);
    }
    return HttpResponse.create()
        .withStatus(status)
        .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, body));
  }

  /** The error body every refusal has: {@code {"error": message}}. */
  static HttpResponse error(StatusCode status, String message) {
    return json(status, new PrunnerJson.Error(message));
  }
}
