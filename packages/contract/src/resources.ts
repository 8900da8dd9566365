import { defineResource } from '@fjord/kube/resources'
import { apiVersion } from './types.ts'

/** Where the custom resources live in the kube-apiserver's REST paths. */
export const KafkaPools = defineResource(apiVersion, 'KafkaPool', 'kafkapools', false)
export const KafkaClusters = defineResource(apiVersion, 'KafkaCluster', 'kafkaclusters')
export const KafkaTopics = defineResource(apiVersion, 'KafkaTopic', 'kafkatopics')
export const KafkaUsers = defineResource(apiVersion, 'KafkaUser', 'kafkausers')
