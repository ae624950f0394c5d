// STOMP 1.2 for the SPB's broker queue (RabbitMQ's rabbitmq_stomp): import from "../transport/stomp/index.js".

export {
  StompClient,
  type StompClientOptions,
  type StompMessage,
  type MessageHandler,
  type SubscribeOptions,
  type Subscription,
} from "./client.js";
export { BrokerError, BrokerAuthError, StompProtocolError } from "./errors.js";
export { encodeFrame, FrameDecoder, type StompFrame, type OutgoingFrame } from "./frame.js";
