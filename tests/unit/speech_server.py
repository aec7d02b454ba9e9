"""A local gRPC server implementing Google's Speech service from the library's own protobuf
types, so the real google-cloud-speech client can be tested offline (insecure channel)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent import futures
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import grpc
from google.cloud import speech
from google.longrunning import operations_pb2
from google.protobuf import any_pb2

SERVICE = "google.cloud.speech.v1.Speech"


@dataclass
class FakeSpeech:
    """Answers with *text*, or aborts with *error* (a grpc.StatusCode); records the requests."""

    text: str = "call me back"
    error: grpc.StatusCode | None = None
    requests: list[Any] = field(default_factory=list)

    def _answer(self, context: grpc.ServicerContext) -> None:
        if self.error is not None:
            context.abort(self.error, f"fake {self.error.name.lower()}")

    def _results(self) -> list[Any]:
        alt = speech.SpeechRecognitionAlternative(transcript=self.text, confidence=0.9)
        return [speech.SpeechRecognitionResult(alternatives=[alt])]

    def recognize(self, request: Any, context: grpc.ServicerContext) -> Any:
        self.requests.append(("Recognize", request))
        self._answer(context)
        return speech.RecognizeResponse(results=self._results())

    def long_running(self, request: Any, context: grpc.ServicerContext) -> Any:
        self.requests.append(("LongRunningRecognize", request))
        self._answer(context)
        packed = any_pb2.Any()
        packed.Pack(speech.LongRunningRecognizeResponse.pb(
            speech.LongRunningRecognizeResponse(results=self._results())))
        return operations_pb2.Operation(name="operations/1", done=True, response=packed)


def _unary(fn: Callable[[Any, grpc.ServicerContext], Any], req: Any,
           resp_serializer: Callable[[Any], bytes]) -> grpc.RpcMethodHandler:
    return grpc.unary_unary_rpc_method_handler(fn, request_deserializer=req.deserialize,
                                               response_serializer=resp_serializer)


@contextmanager
def speech_server(fake: FakeSpeech) -> Iterator[str]:
    """Serve *fake* on a free loopback port; yields ``host:port``."""
    handlers = {
        "Recognize": _unary(fake.recognize, speech.RecognizeRequest,
                            speech.RecognizeResponse.serialize),
        "LongRunningRecognize": _unary(fake.long_running, speech.LongRunningRecognizeRequest,
                                       lambda op: op.SerializeToString()),
    }
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE, handlers),))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.stop(grace=None)
